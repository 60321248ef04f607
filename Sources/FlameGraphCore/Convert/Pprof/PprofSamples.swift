/// pprof samples: choosing the sample type (and so the unit) and adding each sample's stack.
extension PprofMessageDecoder {
    mutating func chooseSampleType() throws -> (index: Int, type: String, unit: WeightUnit) {
        var types: [(type: String, unit: String)] = []
        for (i, range) in sampleTypeRanges.enumerated() {
            var reader = ProtobufReader(data, range: range)
            var type: Int64 = 0
            var unit: Int64 = 0
            while let field = try reader.nextField() {
                switch field.number {
                case 1: type = try reader.readInt64(field)
                case 2: unit = try reader.readInt64(field)
                default: try reader.skip(field)
                }
            }
            let what = "sample type #\(i + 1) (byte \(range.lowerBound))"
            types.append((text(try string(type, in: what)), text(try string(unit, in: what))))
        }
        guard !types.isEmpty else {
            throw Self.fail(
                sampleRanges.isEmpty
                    ? "the pprof profile has no samples" : "the pprof profile has samples but declares no sample types")
        }
        let names = types.map(\.type)
        let available = names.map { "'\($0)'" }.joined(separator: ", ")
        var chosen = types.count - 1
        if let wanted = options.sampleType {
            if let i = names.firstIndex(of: wanted) {
                chosen = i
            } else if let i = Int(wanted), i >= 0, i < types.count {
                chosen = i
            } else {
                throw FlameGraphError(
                    .usage,
                    "no sample type '\(wanted)' in the profile; it has \(available) (pass one with --sample-type)")
            }
        } else if defaultSampleType != 0 {
            let name = text(try string(defaultSampleType, in: "default_sample_type"))
            if let i = names.firstIndex(of: name) {
                chosen = i
            } else {
                diagnostics.warn(
                    "\(sourceName): default sample type '\(name)' is not one of \(available); using '\(names[chosen])'")
            }
        }
        let unit: WeightUnit =
            switch types[chosen].unit {
            case "nanoseconds": .nanoseconds
            case "microseconds": .microseconds
            case "bytes": .bytes
            case "count": .samples
            default: .count
            }
        return (chosen, names[chosen], unit)
    }

    mutating func readSamples(valueIndex: Int, typeName: String) throws {
        guard let locationIDs else { return }
        let typeCount = sampleTypeRanges.count
        var locations: [UInt64] = []
        var values: [Int64] = []
        var negative = 0
        var counted = 0
        var noStackName: Int32 = -1
        for (n, range) in sampleRanges.enumerated() {
            var reader = ProtobufReader(data, range: range)
            locations.removeAll(keepingCapacity: true)
            values.removeAll(keepingCapacity: true)
            while let field = try reader.nextField() {
                switch field.number {
                case 1: try reader.readRepeatedUInt64(field, into: &locations)
                case 2: try reader.readRepeatedInt64(field, into: &values)
                default: try reader.skip(field)  // labels
                }
            }
            guard values.count == typeCount else {
                throw Self.fail(
                    "sample #\(n + 1) (byte \(range.lowerBound)) has \(values.count) values but the profile declares \(typeCount) sample types"
                )
            }
            // Resolve every location, even of samples that are skipped: the references must hold.
            var node: Int32 = 0
            let value = values[valueIndex]
            let drawn = value > 0
            for id in locations.reversed() {
                guard let location = locationIDs.find(id) else {
                    throw Self.fail("sample #\(n + 1) (byte \(range.lowerBound)) refers to unknown location id \(id)")
                }
                guard drawn else { continue }
                let frames = self.frames(ofLocation: location)
                frameBudget -= frames.count
                guard frameBudget >= 0 else {
                    throw Self.fail(
                        "the stacks expand to too many frames for a \(data.count)-byte profile (stopped at sample #\(n + 1), byte \(range.lowerBound))"
                    )
                }
                for k in frames { node = profile.child(of: node, named: frameStore[k]) }
            }
            if value < 0 { negative += 1 }
            guard drawn else { continue }
            if locations.isEmpty {
                if noStackName < 0 { noStackName = profile.names.intern(PprofDecoder.noStackFrame) }
                node = profile.child(of: 0, named: noStackName)
            }
            profile.addWeight(at: node, Double(value))
            counted += 1
        }
        if negative > 0 {
            diagnostics.warn(
                "\(sourceName): skipped \(negative) sample\(negative == 1 ? "" : "s") with a negative '\(typeName)' value"
            )
        }
        guard counted > 0 else {
            throw Self.fail(
                sampleRanges.isEmpty
                    ? "the pprof profile has no samples"
                    : "none of the profile's \(sampleRanges.count) samples has a positive '\(typeName)' value")
        }
    }
}
