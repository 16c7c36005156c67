; Definitions and references in Go, tags-style.

(function_declaration name: (identifier) @name) @definition.function
[(method_declaration name: (field_identifier) @name) (method_elem name: (field_identifier) @name)] @definition.method

; type X interface {…} / struct {…} / anything else
(type_spec name: (type_identifier) @name type: (interface_type)) @definition.interface
(type_spec name: (type_identifier) @name type: (struct_type)) @definition.class
[(type_spec name: (type_identifier) @name) (type_alias name: (type_identifier) @name)] @definition.type

; Package-level constants and variables.
(source_file [(const_declaration (const_spec name: (identifier) @name) @definition.variable) (var_declaration (var_spec name: (identifier) @name) @definition.variable)])

[(identifier) (type_identifier) (field_identifier)] @reference
