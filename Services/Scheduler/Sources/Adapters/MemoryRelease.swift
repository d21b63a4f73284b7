#if canImport(Glibc)
import Glibc
#endif

/// Hands memory freed after a large load back to the system: glibc keeps freed heap pages
/// (per thread arena) otherwise, and a full sync's transient rows would stay in the RSS.
/// (`malloc_trim` is looked up at run time: Swift's Glibc module does not import malloc.h.)
enum MemoryRelease {
    #if canImport(Glibc)
    private typealias Trim = @convention(c) (Int) -> Int32
    private static let trim: Trim? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim").map { unsafeBitCast($0, to: Trim.self) }
    #endif

    static func returnFreedMemory() {
        #if canImport(Glibc)
        _ = trim?(0)
        #endif
    }
}
