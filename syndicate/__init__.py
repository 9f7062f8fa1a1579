"""syndicate: a newsroom's RSS 2.0, Atom 1.0 and JSON Feed 1.1 syndication generator."""

__version__ = "0.1.0"
