import AttuneTestSupport
import Foundation
import Testing

struct ExperimentCommandTests {
    @Test func analyzeReadsUnitLevelOutcomesAndPlanSizesAnExperiment() throws {
        let directory = FileManagerTemp.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var csv = "unit_id,variant,converted,value\n"
        for i in 0..<4_000 {
            let treatment = i % 2 == 1
            // 10% vs 20% conversion, deterministic.
            let converted = treatment ? (i / 2) % 10 < 2 : (i / 2) % 10 == 0
            csv += "u\(i),\(treatment ? "treatment" : "control"),\(converted ? 1 : 0),\(converted ? 25 : 0)\n"
        }
        let file = directory.appendingPathComponent("units.csv").path
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        let (status, out, err) = try AttuneProcess.run(["experiment", "analyze", file])
        #expect(status == 0, "\(err)")
        #expect(out.contains("4000 units in 2 variants; control: control"))
        #expect(out.contains("sample ratio: p = 1.0000  ok"))
        #expect(out.contains("+100.00%"), "\(out)")
        let (jsonStatus, json, _) = try AttuneProcess.run(["experiment", "analyze", file, "--json"])
        #expect(jsonStatus == 0)
        #expect(json.contains("\"probabilityToBeatControl\""))
        #expect(!json.contains("NaN"))

        try "unit_id,variant,converted\nu1,a,1\nu1,b,0\n".write(toFile: file, atomically: true, encoding: .utf8)
        let (dup, _, dupErr) = try AttuneProcess.run(["experiment", "analyze", file])
        #expect(dup != 0)
        #expect(dupErr.contains("line 3: unit u1 appears twice"), "\(dupErr)")
        try "unit_id,variant,converted\nu1,a,maybe\n".write(toFile: file, atomically: true, encoding: .utf8)
        let (bad, _, badErr) = try AttuneProcess.run(["experiment", "analyze", file])
        #expect(bad != 0)
        #expect(badErr.contains("line 2: converted must be 0 or 1"), "\(badErr)")

        let (planned, plan, planErr) = try AttuneProcess.run(
            ["experiment", "plan", "--baseline", "0.05", "--mde", "0.1", "--daily-units", "3000"])
        #expect(planned == 0, "\(planErr)")
        #expect(plan.contains("units per variant: 31234 (normal approximation)"), "\(plan)")
        #expect(plan.contains("run 3 whole week(s)"))
        let (refused, _, _) = try AttuneProcess.run(["experiment", "plan", "--baseline", "1.5", "--mde", "0.1"])
        #expect(refused != 0)
    }
}
