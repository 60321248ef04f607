/// A fast, non-cryptographic hash over a byte slice, 8 bytes at a time.
///
/// Frame names are hashed once per occurrence in an input, so this sits on the hottest path; Swift's
/// `Hasher` (SipHash) is several times slower for short keys. Not used for anything security-relevant:
/// hash flooding only makes a hostile input slower, never wrong.
@inline(__always)
func hashBytes(_ base: UnsafeRawPointer, _ count: Int) -> UInt64 {
    var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ (UInt64(truncatingIfNeeded: count) &* 0x1000_0000_01B3)
    var i = 0
    while i + 8 <= count {
        let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
        h = (h ^ w) &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 32
        i += 8
    }
    if i < count {
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < count {
            tail |= UInt64(base.load(fromByteOffset: i, as: UInt8.self)) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
    }
    h ^= h >> 29
    h = h &* 0x94D0_49BB_1331_11EB
    h ^= h >> 32
    return h
}

/// Mixes a 64-bit integer key into a well-spread hash (splitmix64's finaliser).
@inline(__always)
func mix64(_ key: UInt64) -> UInt64 {
    var z = key &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}
