"""The submission portal: accounts and roles, uploads, review, releases, audit log."""
