using System.Text;
using Assessment.Grains.Abstractions;
using Assessment.Server.Services;

namespace Assessment.Server.Web;

/// <summary>Text files uploaded to the workbench (schemes, templates): UTF-8 only, within the size every such file keeps.</summary>
public static class Uploads
{
    /// <summary>
    /// A scheme upload: YAML text, or the 细则 workbook (told by its content, not its name) read back into YAML with the
    /// year's catalog. Every unreadable cell becomes a field violation naming its row and column.
    /// </summary>
    public static async Task<string> ReadSchemeAsync(IFormFile? file, string field, string what, Func<Task<Domain.Catalog.IndicatorCatalog>> catalog)
    {
        if (file is null || file.Length == 0 || file.Length > RequestChecks.MaxSchemeBytes)
        {
            throw new ValidationFailedException([new FieldError(field, $"请选择{what}（YAML 或 Excel，不超过 200 KiB）")]);
        }

        using var buffer = new MemoryStream();
        await file.CopyToAsync(buffer);
        var bytes = buffer.ToArray();
        if (bytes is not [(byte)'P', (byte)'K', ..])
        {
            return await ReadTextAsync(file, field, what);
        }

        Workbooks.SchemeSheet sheet;
        try
        {
            sheet = Workbooks.SchemeWorkbook.Read(bytes, await catalog());
        }
        catch (Workbooks.WorkbookException ex)
        {
            throw new ValidationFailedException([new FieldError(field, ex.Message)]);
        }

        return sheet.Yaml ?? throw new ValidationFailedException(sheet.Problems.Take(50)
            .Select(p => new FieldError(field, $"第 {p.Row} 行 {p.Column} 列：{p.Message}")).ToArray());
    }

    public static async Task<string> ReadTextAsync(IFormFile? file, string field, string what)
    {
        if (file is null || file.Length == 0 || file.Length > RequestChecks.MaxSchemeBytes)
        {
            throw new ValidationFailedException([new FieldError(field, $"请选择{what}（不超过 200 KiB）")]);
        }

        using var reader = new StreamReader(file.OpenReadStream(), new UTF8Encoding(false, throwOnInvalidBytes: true));
        try
        {
            return await reader.ReadToEndAsync();
        }
        catch (DecoderFallbackException)
        {
            throw new ValidationFailedException([new FieldError(field, $"{what}须为 UTF-8 编码")]);
        }
    }
}
