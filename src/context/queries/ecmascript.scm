; Definitions and references shared by JavaScript, TypeScript and TSX (tags-style).
; Each definition pattern captures the whole node as @definition.<kind> and its name as @name.

[
  (function_declaration name: (identifier) @name)
  (generator_function_declaration name: (identifier) @name)
  (variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression)])
] @definition.function

(method_definition name: [(property_identifier) (private_property_identifier)] @name) @definition.method

; Top-level constants and variables, exported or not.
(program (lexical_declaration (variable_declarator name: (identifier) @name) @definition.variable))
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @name) @definition.variable)))

; CommonJS: Foo.prototype.bar = function () {}, exports.baz = () => {}, module.exports.qux = function () {}
(assignment_expression
  left: (member_expression property: (property_identifier) @name)
  right: [(function_expression) (arrow_function)]
  (#not-eq? @name "exports")) @definition.method

; module.exports = function name () {} defines `name`.
(assignment_expression
  left: (member_expression object: (identifier) @_module property: (property_identifier) @_exports)
  right: [(function_expression name: (identifier) @name) (class name: (_) @name)]
  (#eq? @_module "module")
  (#eq? @_exports "exports")) @definition.function

; References: every name used (a definition's own name is dropped when the graph is built).
[(identifier) (property_identifier) (shorthand_property_identifier)] @reference
