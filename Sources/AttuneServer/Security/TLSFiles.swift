import AttuneCore
import NIOSSL

/// The server's certificate chain and private key, read from PEM files at start-up.
package enum TLSFiles {
    /// A server configuration that accepts TLS 1.2 and later.
    /// - Throws: `AttuneError` `invalid_value` naming the file that cannot be read or parsed.
    package static func serverConfiguration(certificatePath: String, keyPath: String) throws(AttuneError) -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw .invalid("tls-cert", "cannot read a PEM certificate from \(certificatePath)")
        }
        guard !chain.isEmpty else { throw .invalid("tls-cert", "\(certificatePath) holds no certificate") }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw .invalid("tls-key", "cannot read a PEM private key from \(keyPath)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        do {
            // Building a context checks that the key belongs to the certificate, so a mismatch
            // fails at start-up rather than on the first handshake.
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw .invalid("tls-key", "the private key in \(keyPath) does not match the certificate")
        }
        return configuration
    }
}
