/**
 * Which frames are not the application's own code: libraries, vendored code and
 * the language runtime or platform. Used when a trace does not say (text traces) and
 * on top of what Sentry says (its `in_app` flag depends on SDK configuration).
 * A repository that is itself a library gets its own frames back (own-code.ts).
 */

const VENDOR_PATH = [
  /(^|[\\/])node_modules[\\/]/,
  /(^|[\\/])(site|dist)-packages[\\/]/,
  /(^|[\\/])vendor[\\/]/,
  /(^|[\\/])gems[\\/]/,
  /(^|[\\/])third_party[\\/]/,
  /(^|[\\/])bundle[\\/]ruby[\\/]/,
  /(^|[\\/])go[\\/]pkg[\\/]mod[\\/]/,
  /(^|[\\/])\.cargo[\\/]registry[\\/]/,
  /(^|[\\/])\.rustup[\\/]/,
  /^\/rustc\/[0-9a-f]+\//,
  /(^|[\\/])(?:src[\\/])?lib(?:core|std|alloc)[\\/]/,
  /(^|[\\/])lib[\\/]python\d(\.\d+)?[\\/]/,
  /(^|[\\/])lib[\\/]ruby[\\/]\d/,
  /(^|[\\/])usr[\\/]local[\\/]go[\\/]src[\\/]/,
  /(^|[\\/])usr[\\/]lib[\\/]go[^\\/]*[\\/]src[\\/]/,
  /^(node|internal)[:/]/,
  /^<(internal|frozen|string|anonymous|native)[:>]/,
  /^(native|unknown|eval)$/i,
  // Node's own modules, printed without a directory by older Node versions.
  /^(?:timers|module|events|net|fs|dns|http|https|tls|child_process|domain|util|assert|vm|stream|_stream_\w+|bootstrap_node|node)\.js$/,
];

/** Java, Kotlin and Android packages that are never the application's code. */
const VENDOR_JAVA_PACKAGE =
  /^(java|javax|jakarta|jdk|sun|com\.sun|kotlin|kotlinx|scala|groovy|android|androidx|dalvik|libcore|com\.android|com\.google\.android|org\.springframework|org\.apache|org\.hibernate|org\.junit|org\.gradle|org\.mortbay|org\.eclipse|org\.jboss|org\.slf4j|io\.netty|io\.micrometer|io\.undertow|reactor|com\.fasterxml|com\.google|okhttp3|retrofit2|io\.grpc|ch\.qos)\./;

export function isVendorPath(path: string): boolean {
  return VENDOR_PATH.some((pattern) => pattern.test(path));
}

/** `qualifiedName` is `package.Class` (without the method). */
export function isVendorJavaClass(qualifiedName: string): boolean {
  return VENDOR_JAVA_PACKAGE.test(qualifiedName.replace(/^[\w.]+\//, ""));
}

/** Go functions of the runtime and the standard library (application packages are module-qualified or `main`). */
const GO_STDLIB =
  /^(runtime|reflect|sync|syscall|internal|testing|net|os|io|fmt|encoding|database|crypto|bufio|context|errors|strings|strconv|time|sort|bytes|log|math|path|regexp|text|html|mime|compress|archive|container|hash|image|unicode|unsafe|embed|flag|go|plugin|debug|expvar|slices|maps|iter|cmp|panic)[./(]/;

export function isGoStdlibFunction(fn: string): boolean {
  return GO_STDLIB.test(fn);
}

/** A Go dependency in a GOPATH checkout (`…/src/github.com/owner/repo/…`): another module's code. */
export function isGoPathDependency(path: string): boolean {
  return /(^|[\\/])src[\\/](?:github\.com|gitlab\.com|bitbucket\.org|golang\.org|gopkg\.in|google\.golang\.org|go\.uber\.org|k8s\.io)[\\/]/.test(path);
}

/** .NET functions of the runtime and the platform. */
export function isDotnetPlatformFunction(fn: string): boolean {
  return /^(System|Microsoft|Mono|MS\.Internal|Windows|WinRT|ABI|Xamarin|Android\.Runtime|Java\.Interop|Interop)\./.test(fn);
}

/** Rust's standard library and runtime symbols. */
export function isRustRuntimeFunction(fn: string): boolean {
  return /^<?(std|core|alloc|backtrace|panic_unwind)::|^(rust_begin_unwind|__rust\w*|__libc_start\w*|_start|__pthread\w*)$/.test(fn);
}

/** PHP code that is not the application's: WordPress core, PEAR and distribution packages. */
export function isPhpPlatformPath(path: string): boolean {
  return /(^|[\\/])wp-(?:includes|admin)[\\/]|(^|[\\/])usr[\\/]share[\\/](?:php|pear)[\\/]/.test(path);
}

/** Dart's SDK (`dart:async/zone.dart`), Flutter and the pub cache. */
export function isDartPlatformLocation(location: string): boolean {
  return /^(?:dart:|org-dartlang-sdk:)|^packages[\\/]flutter\w*[\\/]|(^|[\\/])(?:\.pub-cache|Pub[\\/]Cache)[\\/]|(^|[\\/])flutter[\\/](?:packages[\\/]flutter\w*|bin[\\/]cache)[\\/]/.test(location);
}

/** Flutter's own packages and well-known pub packages: `package:<name>/` frames that are not the application's. */
const DART_LIBRARY_PACKAGES = new Set(
  (
    "flutter flutter_test flutter_driver flutter_localizations flutter_web_plugins sky_engine integration_test " +
    "async collection meta path args stack_trace stream_channel test test_api test_core matcher http http_parser " +
    "io shelf intl characters vector_math typed_data convert crypto logging " +
    "provider bloc flutter_bloc riverpod flutter_riverpod hooks_riverpod get get_it rxdart dio equatable go_router " +
    "sqflite shared_preferences path_provider url_launcher image_picker hive isar json_annotation freezed_annotation " +
    "firebase_core firebase_auth cloud_firestore firebase_messaging firebase_crashlytics firebase_analytics " +
    "sentry sentry_flutter cached_network_image flutter_cache_manager mason_logger"
  ).split(" "),
);

export function isDartLibraryPackage(name: string): boolean {
  return DART_LIBRARY_PACKAGES.has(name);
}
