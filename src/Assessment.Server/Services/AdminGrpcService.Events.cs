using Assessment.Contracts.V1;
using Assessment.Server.Events;
using Assessment.Server.Security;
using Assessment.Grains.Abstractions;
using Grpc.Core;
using static Assessment.Server.Services.AdminProtoMapping;

namespace Assessment.Server.Services;

/// <summary>Event subscriptions and their delivery log over gRPC (<see cref="EventSubscriptions"/>).</summary>
public sealed partial class AdminGrpcService
{
    public override Task<SubscriptionCreated> Subscribe(SubscribeRequest request, ServerCallContext context)
    {
        TargetTenant(context, request.Tenant);
        RequestChecks.Require(request.Kinds.Count > EventSubscriptions.Kinds.Length ? new FieldError("kinds", $"至多 {EventSubscriptions.Kinds.Length} 种") : null);
        // The secret is kept encrypted and never shown again: a retry with the same id gets the first answer from the ledger.
        return ledger.RunAsync(context, request.RequestId, request, InDoubt<SubscriptionCreated>.Unresolvable, async () =>
        {
            var (subscription, secret) = await events.CreateAsync(Caller.From(context.GetHttpContext().User), request.Tenant, request.Url, request.Kinds, context.CancellationToken);
            return new SubscriptionCreated { Subscription = ToProto(subscription), Secret = secret };
        });
    }

    public override async Task<ListSubscriptionsResponse> ListSubscriptions(ListSubscriptionsRequest request, ServerCallContext context) =>
        new() { Subscriptions = { (await events.ListAsync(Caller.From(context.GetHttpContext().User), request.Tenant)).Select(ToProto) } };

    public override Task<ListSubscriptionsResponse> Unsubscribe(SubscriptionRef request, ServerCallContext context)
    {
        TargetTenant(context, request.Tenant);
        return ledger.RunAsync(context, request.RequestId, request, InDoubt<ListSubscriptionsResponse>.Unresolvable, async () =>
        {
            var caller = Caller.From(context.GetHttpContext().User);
            await events.RemoveAsync(caller, request.Tenant, request.Id);
            return new ListSubscriptionsResponse { Subscriptions = { (await events.ListAsync(caller, request.Tenant)).Select(ToProto) } };
        });
    }

    public override async Task<ListDeliveriesResponse> ListDeliveries(ListDeliveriesRequest request, ServerCallContext context)
    {
        RequestChecks.Require(request.PageSize is < 0 or > 500 ? new FieldError("page_size", "须在 1–500 之间（0 为默认 100）") : null);
        var list = await events.DeliveriesAsync(Caller.From(context.GetHttpContext().User), request.Tenant, request.Subscription, request.PageSize == 0 ? 100 : request.PageSize);
        return new ListDeliveriesResponse { Deliveries = { list.Select(ToProto) } };
    }

    public override Task<Delivery> ReplayDelivery(DeliveryRef request, ServerCallContext context)
    {
        TargetTenant(context, request.Tenant);
        return ledger.RunAsync(context, request.RequestId, request, InDoubt<Delivery>.Unresolvable,
            async () => ToProto(await events.ReplayAsync(Caller.From(context.GetHttpContext().User), request.Tenant, request.Id)));
    }
}
