using Assessment.Grains.Notifications;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Serialization;

namespace Assessment.Grains;

/// <summary>
/// What the grains need from the container besides Orleans itself; used by the server and the grain tests. The host
/// adds the <see cref="Audit.IAuditLog"/> (PostgreSQL in the server).
/// </summary>
public static class GrainServices
{
    public static IServiceCollection AddAssessmentGrains(this IServiceCollection services)
    {
        services.AddSingleton<RoundCatalogs>();
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<RoundOptions>();
        services.TryAddSingleton<WebhookNotificationSink>();
        // The host may decorate it (the server enqueues reminders as events and mail first).
        services.TryAddSingleton<INotificationSink>(sp => sp.GetRequiredService<WebhookNotificationSink>());
        services.TryAddSingleton<ICountyFactsStore, NoCountyFactsStore>();
        return services.AddAssessmentSerialization();
    }

    /// <summary>
    /// Domain records (score cards) cross grain calls as JSON, so the domain library stays free of Orleans. Silos and
    /// external clients both need this.
    /// </summary>
    public static IServiceCollection AddAssessmentSerialization(this IServiceCollection services) =>
        services.AddSerializer(s => s.AddJsonSerializer(isSupported: t => t.Namespace?.StartsWith("Assessment.Domain", StringComparison.Ordinal) == true));
}
