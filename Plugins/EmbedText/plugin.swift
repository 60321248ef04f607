import PackagePlugin

/// Build-tool plugin: every `.js` file of a target becomes a Swift string constant
/// (`EmbeddedFiles.<lowerCamelName>`) at build time, so the target ships the script with no file I/O
/// at run time and the script stays a plain `.js` file that editors and linters understand.
@main
struct EmbedText: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let source = target as? SourceModuleTarget else { return [] }
        let tool = try context.tool(named: "embed-text")
        return source.sourceFiles(withSuffix: "js").map { file in
            let base = file.url.deletingPathExtension().lastPathComponent
            let output = context.pluginWorkDirectoryURL.appending(path: "\(base).generated.swift")
            return .buildCommand(
                displayName: "Embedding \(file.url.lastPathComponent)",
                executable: tool.url,
                arguments: [file.url.path, output.path, base],
                inputFiles: [file.url],
                outputFiles: [output])
        }
    }
}
