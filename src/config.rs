//! Configuration: built-in defaults with the user's config file layered over them.
