import Foundation

/// A self-pipe that wakes a thread blocked in `poll(2)`: `signal()` from any
/// thread makes `readDescriptor` readable for good. If the pipe cannot be made,
/// both descriptors are -1 and waiters fall back to their periodic wake-ups.
final class RedisWakePipe: Sendable {
    let readDescriptor: Int32
    private let writeDescriptor: Int32

    init() {
        var descriptors: [Int32] = [-1, -1]
        if pipe(&descriptors) == 0 {
            for descriptor in descriptors {
                _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
                _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            }
            readDescriptor = descriptors[0]
            writeDescriptor = descriptors[1]
        } else {
            readDescriptor = -1
            writeDescriptor = -1
        }
    }

    func signal() {
        guard writeDescriptor >= 0 else { return }
        var byte: UInt8 = 1
        _ = write(writeDescriptor, &byte, 1)  // a full pipe is already readable
    }

    deinit {
        if readDescriptor >= 0 { close(readDescriptor) }
        if writeDescriptor >= 0 { close(writeDescriptor) }
    }
}
