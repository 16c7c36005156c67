; Definitions and references in Java, tags-style.

[
  (class_declaration name: (identifier) @name)
  (record_declaration name: (identifier) @name)
] @definition.class

[
  (interface_declaration name: (identifier) @name)
  (annotation_type_declaration name: (identifier) @name)
] @definition.interface

(enum_declaration name: (identifier) @name) @definition.enum
[(method_declaration name: (identifier) @name) (constructor_declaration name: (identifier) @name)] @definition.method

[(identifier) (type_identifier)] @reference
