"""Accounts: changing one's own password, resets by commission staff (in their region scope) or by
e-mail, and the rule that a password someone else set must be replaced before the product can be
used. The state lives in `assessments` (`AccountState`, `services.password_*`, `users_q`); this
package holds the pages, the middleware and the API's token check, and composes them."""
