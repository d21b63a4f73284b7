import SundialCLI

/// `sundial`: the whole program is the argument parser's root command.
@main
extension SundialCommand {}
