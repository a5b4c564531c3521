/// Every advisory lock key Attune takes, in one place: two uses that picked the same key once
/// (the consent policy and the workers' leader) made every policy change wait for the leading
/// worker's session to end.
///
/// Keys are the two-integer form. Locks on one thing for the whole database live in
/// ``namespace`` with a key of their own; locks per workspace or per user have a namespace of
/// their own whose second number is the workspace key (or a hash of the user id).
enum AdvisoryLock {
    static let namespace: Int32 = 0x4174_756E  // "Atun"

    // Single locks in `namespace`.
    /// Migrations, held on a connection of its own while one process migrates.
    static let migrations: Int32 = 1
    /// The leader of the workers sharing one database: `pg_try_advisory_lock(namespace, leader)`,
    /// held by the leader's session for as long as it leads.
    static let leader: Int32 = 2
    /// Changes of the consent policy, so that each reports whether it changed it.
    static let consentPolicy: Int32 = 3
    /// The audit chain: `pg_advisory_xact_lock(namespace, auditChain)`.
    static let auditChain: Int32 = 0x4175_6469  // "Audi"

    static let singleKeys: [Int32] = [migrations, leader, consentPolicy, auditChain]

    // Namespaces of per-workspace or per-user locks.
    /// Appends (and every write that folds profiles) to one workspace.
    static let appendNamespace: Int32 = 0x4174_7601
    /// Text appends for one user (`hashtext(user id)`).
    static let textsNamespace: Int32 = 0x4174_5401
    /// Experiment creations in one workspace.
    static let experimentNamespace: Int32 = 0x4174_7645
    /// Vector writes to one workspace.
    static let embeddingsNamespace: Int32 = 0x4174_4501
    /// Imputation runs in one workspace.
    static let imputationsNamespace: Int32 = 0x4174_4901

    static let namespaces: [Int32] = [
        namespace, appendNamespace, textsNamespace, experimentNamespace, embeddingsNamespace, imputationsNamespace,
    ]
}
