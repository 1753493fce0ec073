"""paygw: the payment gateway's command line. It talks to the gateway's HTTP API only (docs/cli.md)."""
