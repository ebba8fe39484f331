"""dfkit's linter: rules over the AST and the semantics, pragmas, config and fixes."""
