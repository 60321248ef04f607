import FlameGraphCore
import FlameGraphStore
import Foundation

// flame-graph-store-stress REPO SERVICE COMMIT [START-FILE]
//
// Saves one baseline into REPO's git ref store, as one CI job would. With START-FILE it first waits
// until that file exists, so a test can release many of these processes at the same moment and make
// them race for the reference. Prints the number of attempts the save took; exits 1 on failure.
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

enum StoreStress {
    static func complain(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }

    static func run(_ arguments: [String]) -> Int32 {
        guard arguments.count == 4 || arguments.count == 5 else {
            complain("usage: flame-graph-store-stress REPO SERVICE COMMIT [START-FILE]")
            return 64
        }
        let (repo, service, commit) = (arguments[1], arguments[2], arguments[3])
        if arguments.count == 5 {
            var waited = 0
            while access(arguments[4], F_OK) != 0 {
                usleep(1000)
                waited += 1
                if waited > 60_000 {
                    complain("start file \(arguments[4]) never appeared")
                    return 1
                }
            }
        }
        do {
            let store = try GitRefStore(discoveringFrom: repo)
            let folded = Array("main;\(service);work \(commit.prefix(6))\nmain;idle 7\n".utf8)
            let metadata = BaselineMetadata(
                unit: .samples, sampleCount: 8, totalWeight: 8, samplingRate: 99, duration: 1,
                toolVersion: "stress", captureCommand: "flame-graph-store-stress",
                hostFingerprint: "pid \(getpid())", savedAt: Date(timeIntervalSince1970: 1_700_000_000))
            try store.save(service: service, commit: commit, folded: folded, metadata: metadata, force: false)
            print(store.lastAttempts)
            return 0
        } catch {
            complain("\(error)")
            return 1
        }
    }
}

exit(StoreStress.run(CommandLine.arguments))
