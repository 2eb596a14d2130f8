import TesseraTestSupport

/// The tests' generator (TesseraSync has an internal one of the same name for its simulated network).
typealias SplitMix64 = TesseraTestSupport.SplitMix64
