; Definitions and references in Rust, tags-style.

[
  (function_item name: (identifier) @name)
  (function_signature_item name: (identifier) @name)
  (macro_definition name: (identifier) @name)
] @definition.function

[(struct_item name: (type_identifier) @name) (union_item name: (type_identifier) @name)] @definition.class
(enum_item name: (type_identifier) @name) @definition.enum
(trait_item name: (type_identifier) @name) @definition.interface
(type_item name: (type_identifier) @name) @definition.type
(mod_item name: (identifier) @name) @definition.module
[(const_item name: (identifier) @name) (static_item name: (identifier) @name)] @definition.variable

[(identifier) (type_identifier) (field_identifier)] @reference
