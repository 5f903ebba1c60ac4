//! The policy language: lexer, parser, AST, resolver, groups and built-in policies.

pub mod groups;
