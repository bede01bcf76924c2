"""What an operator sees of a running service: one JSON log line per request with its request id
(`requests.RequestObservability`), and Prometheus metrics at `/metrics` (`metrics`)."""
