/**
 * Which frames are not the application's own code: libraries, vendored code and
 * the language runtime. Used when a trace does not say (text traces) and on top of
 * what Sentry says (its `in_app` flag depends on SDK configuration).
 */

const VENDOR_PATH = [
  /(^|[\\/])node_modules[\\/]/,
  /(^|[\\/])(site|dist)-packages[\\/]/,
  /(^|[\\/])vendor[\\/]/,
  /(^|[\\/])gems[\\/]/,
  /(^|[\\/])bundle[\\/]ruby[\\/]/,
  /(^|[\\/])go[\\/]pkg[\\/]mod[\\/]/,
  /(^|[\\/])\.cargo[\\/]registry[\\/]/,
  /(^|[\\/])lib[\\/]python\d(\.\d+)?[\\/]/,
  /(^|[\\/])lib[\\/]ruby[\\/]\d/,
  /(^|[\\/])usr[\\/]local[\\/]go[\\/]src[\\/]/,
  /(^|[\\/])usr[\\/]lib[\\/]go[^\\/]*[\\/]src[\\/]/,
  /^(node|internal)[:/]/,
  /^<(internal|frozen|string|anonymous|native)[:>]/,
  /^(native|unknown|eval)$/i,
];

/** Java and Kotlin packages that are never the application's code. */
const VENDOR_JAVA_PACKAGE =
  /^(java|javax|jakarta|jdk|sun|com\.sun|kotlin|kotlinx|scala|groovy|org\.springframework|org\.apache|org\.hibernate|org\.junit|org\.gradle|io\.netty|io\.micrometer|reactor|com\.fasterxml|com\.google|okhttp3|retrofit2|io\.grpc|org\.eclipse|org\.jboss|org\.slf4j|ch\.qos)\./;

export function isVendorPath(path: string): boolean {
  return VENDOR_PATH.some((pattern) => pattern.test(path));
}

/** `qualifiedName` is `package.Class` (without the method). */
export function isVendorJavaClass(qualifiedName: string): boolean {
  return VENDOR_JAVA_PACKAGE.test(qualifiedName.replace(/^[\w.]+\//, ""));
}

/** Go functions of the runtime and the standard library (application packages are module-qualified or `main`). */
const GO_STDLIB =
  /^(runtime|reflect|sync|syscall|internal|testing|net|os|io|fmt|encoding|database|crypto|bufio|context|errors|strings|strconv|time|sort|bytes|log|math|path|regexp|text|html|mime|compress|archive|container|hash|image|unicode|unsafe|embed|flag|go|plugin|debug|expvar|slices|maps|iter|cmp)[./]/;

export function isGoStdlibFunction(fn: string): boolean {
  return GO_STDLIB.test(fn);
}
