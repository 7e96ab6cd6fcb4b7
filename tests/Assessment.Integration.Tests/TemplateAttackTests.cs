using System.Diagnostics;
using Assessment.Contracts.V1;
using Assessment.Integration.Tests.Infrastructure;
using Grpc.Core;
using static Assessment.Integration.Tests.Infrastructure.ServerProcess;

namespace Assessment.Integration.Tests;

/// <summary>Hostile tenant templates are refused at upload or fail within the render budget; the server stays up.</summary>
[Collection(PlatformCollection.Name)]
public sealed class TemplateAttackTests(PlatformFixture platform)
{
    [Fact]
    public async Task Hostile_templates_are_rejected_at_upload_or_fail_within_the_budget_and_the_server_keeps_serving()
    {
        var op = As(platform.Server.OperatorKey());
        var admin = new AdminService.AdminServiceClient(platform.Server.Channel);
        var bulletins = new BulletinService.BulletinServiceClient(platform.Server.Channel);
        var tenantAdmin = As((await admin.IssueCredentialAsync(new IssueCredentialRequest { Tenant = "itest", Role = "tenant_admin", Name = "模板测试" }, op)).Key);
        var pid = platform.Server.ProcessId;

        var deepNesting = string.Concat(Enumerable.Repeat("{{ if true }}", 300)) + "x" + string.Concat(Enumerable.Repeat("{{ end }}", 300));
        (string Name, string Source, string Why)[] refused =
        [
            ("huge loop", "{{ for i in 1..100000000 }}x{{ end }}", "LoopLimit"),
            ("recursion", "{{ func f(x); ret f(x); end; f(1) }}", "recursive depth limit"),
            ("string blow-up", "{{ s = \"ab\"; for i in 1..40; s = s + s; end; s }}", "LimitToString"),
            ("deep nesting", deepNesting, "depth limit"),
            ("include", "{{ include 'secrets' }}", "include"),
            ("import", "{{ import x }}", "import"),
            ("syntax error", "{{ for }}", "语法错误"),
            ("oversized", new string('x', 65 * 1024), "64 KiB"),
            ("unknown variable", "{{ password }}", "password"),
        ];
        foreach (var (name, source, why) in refused)
        {
            var watch = Stopwatch.StartNew();
            var ex = await Assert.ThrowsAsync<RpcException>(() => admin.UploadTemplateAsync(new UploadTemplateRequest { Format = "markdown", Source = source }, tenantAdmin).ResponseAsync);
            Assert.True(ex.StatusCode == StatusCode.InvalidArgument, $"{name}: {ex.StatusCode} {ex.Status.Detail}");
            var reasons = string.Join(' ', ex.GetRpcStatus()!.GetDetail<Google.Rpc.BadRequest>()!.FieldViolations.Select(v => v.Description));
            Assert.True(reasons.Contains(why, StringComparison.Ordinal), $"{name}: {reasons}");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(12), $"{name} took {watch.Elapsed}");
        }

        try
        {
            // Passes the trial (two sample counties), breaks on the real data (three counties): fails within the budget.
            await admin.UploadTemplateAsync(new UploadTemplateRequest { Format = "markdown", Source = "{{ if county_count > 2; for i in 1..100000000; end; end }}ok" }, tenantAdmin);
            var watch = Stopwatch.StartNew();
            var failed = await Assert.ThrowsAsync<RpcException>(() => bulletins.RenderAsync(new RenderBulletinRequest { Year = 2024, Format = BulletinFormat.Markdown }, As(platform.Keys["assessor"])).ResponseAsync);
            Assert.Equal(StatusCode.FailedPrecondition, failed.StatusCode);
            Assert.Contains("自定义通报模板", failed.Status.Detail, StringComparison.Ordinal);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(12), $"render took {watch.Elapsed}");

            // Passes the trial, then prints 60,000 characters 900 times on the real data: the output limit, sized to the
            // data, stops it long before 54 million characters.
            await admin.UploadTemplateAsync(new UploadTemplateRequest { Format = "markdown", Source = "{{ if county_count > 2; s = \"x\" | string.pad_right 60000; for i in 1..900; s; end; end }}ok" }, tenantAdmin);
            var flood = await Assert.ThrowsAsync<RpcException>(() => bulletins.RenderAsync(new RenderBulletinRequest { Year = 2024, Format = BulletinFormat.Markdown }, As(platform.Keys["assessor"])).ResponseAsync);
            Assert.Equal(StatusCode.FailedPrecondition, flood.StatusCode);

            // Catastrophic backtracking in a loop: each match is cut by the regex time-out, the loop by the budget.
            await admin.UploadTemplateAsync(new UploadTemplateRequest { Format = "markdown", Source = "{{ if county_count > 2; for i in 1..900; \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\" | regex.match \"(a+)+$\"; end; end }}ok" }, tenantAdmin);
            watch.Restart();
            var regex = await Assert.ThrowsAsync<RpcException>(() => bulletins.RenderAsync(new RenderBulletinRequest { Year = 2024, Format = BulletinFormat.Markdown }, As(platform.Keys["assessor"])).ResponseAsync);
            Assert.Equal(StatusCode.FailedPrecondition, regex.StatusCode);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(12), $"render took {watch.Elapsed}");

            // A benign tenant template is used, and escapes data like the built-in one.
            await admin.UploadTemplateAsync(new UploadTemplateRequest { Format = "markdown", Source = "# {{ title }}\n{{ for row in rows }}- {{ row.name }} {{ row.total }}\n{{ end }}" }, tenantAdmin);
            var custom = (await bulletins.RenderAsync(new RenderBulletinRequest { Year = 2024, Format = BulletinFormat.Markdown }, As(platform.Keys["assessor"]))).Content;
            Assert.StartsWith("# 关于2024年度法治政府建设考核结果的通报", custom, StringComparison.Ordinal);
            Assert.Contains("&lt;script&gt;", custom, StringComparison.Ordinal);
        }
        finally
        {
            Assert.True((await admin.UploadTemplateAsync(new UploadTemplateRequest { Format = "markdown", Source = "" }, tenantAdmin)).Builtin);
        }

        // Same process, still serving, built-in template back.
        Assert.Equal(pid, platform.Server.ProcessId);
        Assert.True(platform.Server.IsRunning);
        Assert.Contains("附件", (await bulletins.RenderAsync(new RenderBulletinRequest { Year = 2024, Format = BulletinFormat.Markdown }, As(platform.Keys["assessor"]))).Content, StringComparison.Ordinal);
    }
}
