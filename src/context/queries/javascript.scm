; What JavaScript adds to ecmascript.scm: classes (named by a plain identifier) and object-literal methods.

(class_declaration name: (identifier) @name) @definition.class
(variable_declarator name: (identifier) @name value: (class)) @definition.class
(pair key: (property_identifier) @name value: [(function_expression) (arrow_function)]) @definition.method
