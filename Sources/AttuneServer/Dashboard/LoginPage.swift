/// `GET /dashboard/login`: the sign-in form. The key is posted, never put in the address. The
/// hidden user name gives password managers (and Chromium's form check, which otherwise warns in
/// the console) a name to file the key under; the server ignores it.
enum LoginPage {
    static func render(error: String?) -> HTML {
        let message: HTML = error.map { "<p class=\"error\" role=\"alert\">\($0)</p>" } ?? .empty
        let body: HTML = """
            <div class="login">\(message)
            <form method="post" action="/dashboard/login">
            <input type="text" name="user" value="attune-admin" autocomplete="username" hidden>
            <label for="key">Admin API key</label>
            <input type="password" id="key" name="key" autocomplete="current-password" required autofocus>
            <p class="muted">Only an admin key opens the dashboard. The key is checked, never stored: the browser keeps a signed session cookie instead.</p>
            <button type="submit">Sign in</button>
            </form></div>
            """
        return DashboardLayout.page(title: "Sign in", section: nil, viewer: nil, body: body)
    }
}
