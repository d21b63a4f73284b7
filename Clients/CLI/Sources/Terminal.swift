import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard output for results, standard error for messages, and the bits of terminal
/// handling the CLI needs (prompts, hidden password input).
enum Terminal {
    static func out(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    static func err(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static var stdinIsTerminal: Bool { isatty(STDIN_FILENO) == 1 }

    /// One line of standard input without its line break; nil at end of input.
    static func readLine() -> String? {
        Swift.readLine(strippingNewline: true)
    }

    /// Asks on the terminal; nil when standard input is not one.
    static func prompt(_ question: String) -> String? {
        guard stdinIsTerminal else { return nil }
        FileHandle.standardError.write(Data(question.utf8))
        return readLine()
    }

    /// Reads a secret from the terminal without echoing it; nil when standard input is not one.
    static func promptSecret(_ question: String) -> String? {
        guard stdinIsTerminal else { return nil }
        FileHandle.standardError.write(Data(question.utf8))
        var original = termios()
        guard tcgetattr(STDIN_FILENO, &original) == 0 else { return readLine() }
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &original)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return readLine()
    }
}
