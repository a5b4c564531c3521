/// Stop-word lists: very common function words that carry no topic and only add noise to TF-IDF.
package enum StopWords {
    /// English function words (articles, pronouns, auxiliaries, prepositions, conjunctions), all
    /// lower-case, plus the fragments an apostrophe split leaves behind ("don't" → "don", "t").
    ///
    /// Content words such as "new", "man" or "love" are deliberately absent: in short catalogue
    /// text like titles they are often the only signal.
    package static let english: Set<String> = [
        "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are",
        "aren", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both",
        "but", "by", "can", "could", "couldn", "d", "did", "didn", "do", "does", "doesn", "doing",
        "don", "down", "during", "each", "either", "else", "etc", "ever", "every", "few", "for", "from",
        "further", "had", "hadn", "has", "hasn", "have", "haven", "having", "he", "her", "here", "hers",
        "herself", "him", "himself", "his", "how", "however", "i", "if", "in", "into", "is", "isn",
        "it", "its", "itself", "just", "ll", "m", "may", "me", "might", "more", "most", "must",
        "mustn", "my", "myself", "neither", "no", "nor", "not", "now", "o", "of", "off", "on", "once",
        "only", "or", "other", "our", "ours", "ourselves", "out", "over", "own", "re", "s", "same",
        "shall", "shan", "she", "should", "shouldn", "so", "some", "such", "t", "than", "that", "the",
        "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those",
        "through", "to", "too", "under", "until", "up", "upon", "us", "ve", "very", "was", "wasn", "we",
        "were", "weren", "what", "when", "where", "whether", "which", "while", "who", "whom", "whose",
        "why", "will", "with", "won", "would", "wouldn", "y", "yet", "you", "your", "yours",
        "yourself", "yourselves",
    ]
}
