"""On-demand transit operators (AST, Rufbus) booked over TOMP-like dispatch endpoints."""
