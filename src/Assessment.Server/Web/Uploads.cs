using System.Text;
using Assessment.Grains.Abstractions;
using Assessment.Server.Services;

namespace Assessment.Server.Web;

/// <summary>Text files uploaded to the workbench (schemes, templates): UTF-8 only, within the size every such file keeps.</summary>
public static class Uploads
{
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
