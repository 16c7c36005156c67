; Definitions and references in JavaScript (ES modules and CommonJS), tags-style.

(function_declaration name: (identifier) @name) @definition.function
(generator_function_declaration name: (identifier) @name) @definition.function
(class_declaration name: (identifier) @name) @definition.class
(method_definition name: [(property_identifier) (private_property_identifier)] @name) @definition.method
(variable_declarator name: (identifier) @name value: [(arrow_function) (function_expression) (class)]) @definition.function
(program (lexical_declaration (variable_declarator name: (identifier) @name) @definition.variable))
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @name) @definition.variable)))
; Foo.prototype.bar = function () {}, exports.baz = () => {}, module.exports.qux = function () {}
(assignment_expression
  left: (member_expression property: (property_identifier) @name)
  right: [(function_expression) (arrow_function)]
  (#not-eq? @name "exports")) @definition.method
; module.exports = function name () {} is a definition of `name`
(assignment_expression
  left: (member_expression object: (identifier) @_module property: (property_identifier) @_exports)
  right: [(function_expression name: (identifier) @name) (class name: (_) @name)]
  (#eq? @_module "module")
  (#eq? @_exports "exports")) @definition.function
(pair key: (property_identifier) @name value: [(function_expression) (arrow_function)]) @definition.method

(identifier) @reference
(property_identifier) @reference
(shorthand_property_identifier) @reference
