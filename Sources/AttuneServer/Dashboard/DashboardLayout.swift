import Hummingbird
import NIOCore

/// The page shell every dashboard page shares, and the headers every dashboard answer carries.
enum DashboardLayout {
    enum Section: String, CaseIterable {
        case overview, users, segments, models, experiments

        var path: String { self == .overview ? "/dashboard" : "/dashboard/\(rawValue)" }
        var title: String {
            switch self {
            case .overview: "Overview"
            case .users: "Profiles"
            case .segments: "Segments"
            case .models: "Models"
            case .experiments: "Experiments"
            }
        }
    }

    /// Who is signed in, for the header and the sign-out form.
    struct Viewer {
        var workspace: String
        var keyID: String
        /// The sign-out form's anti-forgery token.
        var csrf: String
    }

    /// No script, no external resource, no framing, nothing cached: the pages show personal data.
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static func headers(status: HTTPResponse.Status = .ok) -> HTTPFields {
        var headers: HTTPFields = [:]
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.contentSecurityPolicy] = contentSecurityPolicy
        headers[.init("X-Frame-Options")!] = "DENY"
        headers[.cacheControl] = "no-store"
        headers[.xContentTypeOptions] = "nosniff"
        headers[.init("Referrer-Policy")!] = "same-origin"
        return headers
    }

    static func response(_ page: HTML, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: headers(status: status), body: .init(byteBuffer: ByteBuffer(string: page.text)))
    }

    /// A redirect that a browser follows with GET (303), with the same protective headers.
    static func redirect(to location: String) -> Response {
        var headers = headers(status: .seeOther)
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    /// A whole page.
    static func page(title: String, section: Section?, viewer: Viewer?, body: HTML) -> HTML {
        let navigation: HTML
        if let viewer {
            let links = Section.allCases.map { s -> HTML in
                s == section
                    ? "<a href=\"\(s.path)\" aria-current=\"page\">\(s.title)</a>"
                    : "<a href=\"\(s.path)\">\(s.title)</a>"
            }
            navigation = """
                <nav>\(links)</nav><form class="signout" method="post" action="/dashboard/logout">\
                <span class="who">\(viewer.workspace) · \(viewer.keyID)</span>\
                <input type="hidden" name="csrf" value="\(viewer.csrf)"><button type="submit">Sign out</button></form>
                """
        } else {
            navigation = .empty
        }
        // The empty icon keeps browsers from asking for /favicon.ico (a 404 in their console).
        return """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">\
            <link rel="icon" href="data:,">\
            <title>\(title) · Attune</title><style>\(HTML(trusted: style))</style></head>
            <body><header><strong class="brand">Attune</strong>\(navigation)</header>
            <main><h1>\(title)</h1>
            \(body)
            </main></body></html>
            """
    }

    /// Label/value cards for headline figures.
    static func cards(_ figures: [(label: String, value: String)]) -> HTML {
        let cards = figures.map { f -> HTML in
            "<div class=\"card\"><div class=\"figure\">\(f.value)</div><div class=\"caption\">\(f.label)</div></div>"
        }
        return "<div class=\"cards\">\(cards)</div>"
    }

    /// A table; cells are already HTML.
    static func table(_ headings: [String], _ rows: [[HTML]], empty: String) -> HTML {
        guard !rows.isEmpty else { return "<p class=\"empty\">\(empty)</p>" }
        let head = headings.map { h -> HTML in "<th scope=\"col\">\(h)</th>" }
        let body = rows.map { cells -> HTML in
            "<tr>\(cells.map { c -> HTML in "<td>\(c)</td>" })</tr>"
        }
        return "<div class=\"scroll\"><table><thead><tr>\(head)</tr></thead><tbody>\(body)</tbody></table></div>"
    }

    static let style = """
        *{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1f2937;background:#f8fafc}\
        header{display:flex;flex-wrap:wrap;align-items:center;gap:16px;padding:10px 20px;background:#0f172a;color:#e2e8f0}\
        header a{color:#cbd5e1;text-decoration:none;margin-right:14px}header a[aria-current]{color:#fff;font-weight:600;border-bottom:2px solid #60a5fa}\
        .brand{font-size:16px;margin-right:12px}nav{flex:1}.signout{display:flex;gap:8px;align-items:center}.who{color:#94a3b8;font-size:12px}\
        main{max-width:1100px;margin:0 auto;padding:16px 20px 40px}h1{font-size:22px;margin:8px 0 16px}h2{font-size:17px;margin:26px 0 10px}\
        .cards{display:flex;flex-wrap:wrap;gap:12px}.card{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:12px 16px;min-width:150px}\
        .figure{font-size:22px;font-weight:600}.caption{color:#64748b;font-size:12px}\
        table{border-collapse:collapse;width:100%;background:#fff}th,td{border-bottom:1px solid #e2e8f0;padding:6px 8px;text-align:left;vertical-align:top}\
        th{background:#f1f5f9;font-weight:600}td:first-child{white-space:nowrap}.scroll{overflow-x:auto}code{font-size:12px;word-break:break-all}\
        .chart{margin:8px 0;background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:8px}.chart svg{width:100%;height:auto;display:block}\
        .grid{stroke:#e2e8f0}.axis{fill:#64748b;font-size:11px}.label,.value{fill:#1f2937;font-size:12px}.whisker{stroke:#111827;stroke-width:1.5}\
        .axisline{stroke:#94a3b8}.legend{list-style:none;padding:0;margin:6px 0 0;display:flex;flex-wrap:wrap;gap:12px;font-size:12px}\
        .swatch{display:inline-block;width:10px;height:10px;margin-right:5px;border-radius:2px}\
        .empty{color:#64748b;font-style:italic}.error{color:#b91c1c;background:#fef2f2;border:1px solid #fecaca;padding:8px 12px;border-radius:6px}\
        .ok{color:#047857}.bad{color:#b91c1c;font-weight:600}form.inline{display:flex;gap:8px;margin:8px 0}\
        input[type=text],input[type=password]{padding:6px 8px;border:1px solid #cbd5e1;border-radius:6px;min-width:260px}\
        button{padding:6px 14px;border:0;border-radius:6px;background:#2563eb;color:#fff;cursor:pointer}\
        .login{max-width:420px;margin:60px auto;background:#fff;border:1px solid #e2e8f0;border-radius:10px;padding:24px}\
        .login label{display:block;margin:12px 0 4px}.login input{width:100%}.muted{color:#64748b;font-size:12px}
        """
}
