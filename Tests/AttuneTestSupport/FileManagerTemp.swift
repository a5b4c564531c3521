import Foundation

package enum FileManagerTemp {
    package static func directory() -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("attune-cli-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    package static func write(_ text: String, name: String = "file.json") -> String {
        let path = directory().appendingPathComponent(name).path
        try? text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
