"""The certificate registry: tables, numbers and codes, and the issue/revoke/verify services."""
