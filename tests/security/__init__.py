"""The security suite, generated from the URL map: headers, CSRF, firm isolation."""
