import ArgumentParser

public enum FlameGraphCLI {
    public static func main() async {
        print("todo")
    }
}
