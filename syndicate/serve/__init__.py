"""`syndicate serve`: the output folder over HTTP, answered from its manifest.

- ``negotiate``: Accept-Encoding (RFC 9110 §12.5.3), pure;
- ``conditional``: If-None-Match / If-Modified-Since (RFC 9110 §13), pure;
- ``folder``: the manifest and feed bodies held in memory, reloaded on change;
- ``app``: the ASGI application (run by uvicorn in ``commands/serve.py``);
- ``nginx``: the same folder and headers as an nginx configuration.

Nothing here builds, validates or writes feeds.
"""
