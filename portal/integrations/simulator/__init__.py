"""A local simulator of the "Individuals" database and the MIA "Migration police" system.

One small WSGI app (`create_app()`), separate from the portal, that follows the contract in
`portal/integrations/clients.py`: `/individuals/v1/...` and `/mia/v1/...`, with its state in
memory, idempotent by request_id, and a configurable latency and failure rate. Run it with
`flask --app wsgi simulator` or `python -m portal.integrations.simulator --port 8001`.
"""

from portal.integrations.simulator.app import SimulatorState, create_app, serve

__all__ = ["SimulatorState", "create_app", "serve"]
