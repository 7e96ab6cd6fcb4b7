using System.Runtime.CompilerServices;
using Assessment.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Assessment.Grains.Grains;

/// <summary>
/// Writes grain state so that a failed write never leaves a rejected change in memory (the next successful write
/// would otherwise persist it): on failure the state is re-read. If even that fails, the activation is marked broken
/// (every further call is refused by <see cref="BrokenActivationFilter"/>, interleaved ones included) and deactivated,
/// so nothing it holds in memory is ever served or written. Driver exceptions are replaced by
/// <see cref="UnavailableException"/>, which crosses the Orleans wire.
/// </summary>
internal static class StateWriter
{
    private static readonly ConditionalWeakTable<IGrainContext, object> Broken = [];
    private static readonly object Mark = new();

    public static async Task WriteOrRestoreAsync<T>(this IPersistentState<T> state, IGrainContext context, ILogger logger)
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (Exception writeError)
        {
            logger.LogWarning(writeError, "State write failed for {GrainId}; restoring the stored state", context.GrainId);
            try
            {
                await state.ReadStateAsync();
            }
            catch (Exception readError)
            {
                logger.LogWarning(readError, "State re-read failed for {GrainId}; deactivating", context.GrainId);
                MarkBroken(context);
            }

            throw new UnavailableException("存储暂不可用，本次操作未保存，请稍后重试。");
        }
    }

    /// <summary>The activation's memory can no longer be trusted: refuse everything and go away.</summary>
    public static void MarkBroken(IGrainContext context)
    {
        Broken.AddOrUpdate(context, Mark);
        context.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationError, "state could not be restored after a failed write"));
    }

    public static bool IsBroken(IGrainContext context) => Broken.TryGetValue(context, out _);
}

/// <summary>Refuses every call to an activation whose state could not be restored after a failed write.</summary>
public sealed class BrokenActivationFilter : IIncomingGrainCallFilter
{
    public Task Invoke(IIncomingGrainCallContext context) =>
        StateWriter.IsBroken(context.TargetContext)
            ? throw new UnavailableException("存储暂不可用，请稍后重试。")
            : context.Invoke();
}
