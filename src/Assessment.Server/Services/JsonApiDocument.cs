using Assessment.Server.Security;
using Microsoft.OpenApi.Models;

namespace Assessment.Server.Services;

/// <summary>
/// The OpenAPI document of the JSON routes, generated from the same descriptors that route them (the
/// <c>google.api.http</c> options and comments of protos/), served at <c>/openapi/v1.json</c> to anyone: it says no
/// more than protos/ does. A <c>/v1/…</c> path that names no route answers NOT_FOUND as JSON, not the workbench's page.
/// </summary>
public static class JsonApiDocument
{
    public const string Path = "/openapi/v1.json";

    public static IServiceCollection AddJsonApiDocument(this IServiceCollection services)
    {
        services.AddGrpcSwagger();
        services.AddSwaggerGen(o =>
        {
            o.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "法治政府建设考核平台 API",
                Version = "v1",
                Description = "与 gRPC 接口相同的处理与权限，以 HTTP/1.1 JSON 调用。认证：authorization: Bearer ak_…（API 密钥）。"
                    + "错误以 google.rpc.Status JSON 返回（code、message、details），message 为中文说明。",
            });
            // Only the JSON routes: the workbench's pages and the health endpoints are not part of the API.
            o.DocInclusionPredicate((_, api) => api.RelativePath?.StartsWith("v1/", StringComparison.Ordinal) == true);
            o.AddSecurityDefinition("ApiKey", new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "API 密钥（ak_…），由租户管理员签发。",
            });
            o.AddSecurityRequirement(new OpenApiSecurityRequirement
            {
                [new OpenApiSecurityScheme { Reference = new OpenApiReference { Type = ReferenceType.SecurityScheme, Id = "ApiKey" } }] = [],
            });
            var comments = System.IO.Path.Combine(AppContext.BaseDirectory, "Assessment.Contracts.xml");
            if (File.Exists(comments))
            {
                o.IncludeGrpcXmlComments(comments, includeControllerXmlComments: true);
            }
        });
        return services;
    }

    public static void MapJsonApiDocument(this WebApplication app)
    {
        app.UseSwagger(o => o.RouteTemplate = "openapi/{documentName}.json");
        app.Map(ApiRequests.JsonPrefix + "/{**rest}", (HttpContext http) =>
            ApiRequests.RefuseAsync(http, Grpc.Core.StatusCode.NotFound, $"没有这个接口：{http.Request.Method} {http.Request.Path}。接口列表见 {Path}。", http.RequestAborted));
    }
}
