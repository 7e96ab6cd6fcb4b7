using Assessment.Grains.Abstractions;
using Microsoft.Extensions.Logging;

namespace Assessment.Grains.Grains;

/// <summary>
/// Writes grain state so that a failed write never leaves a rejected change in memory (the next successful write
/// would otherwise persist it): on failure the state is re-read, or the activation is dropped if even that fails.
/// Driver exceptions are replaced by <see cref="UnavailableException"/>, which crosses the Orleans wire.
/// </summary>
internal static class StateWriter
{
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
                context.Deactivate(new DeactivationReason(DeactivationReasonCode.ApplicationError, "state could not be restored after a failed write"));
            }

            throw new UnavailableException("存储暂不可用，本次操作未保存；请稍后使用相同的 submission_id 重试。");
        }
    }
}
