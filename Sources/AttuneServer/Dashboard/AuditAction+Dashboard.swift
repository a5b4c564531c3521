import AttuneCore

extension AuditAction {
    /// An admin key signed in to the dashboard; the actor is the key's id.
    static let dashboardSignIn = AuditAction("dashboard.signin")
    /// A sign-in was refused; the detail says why (never the presented key).
    static let dashboardSignInRefused = AuditAction("dashboard.signin.refused")
    static let dashboardSignOut = AuditAction("dashboard.signout")
}
