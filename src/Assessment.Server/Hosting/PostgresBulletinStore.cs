using Assessment.Grains.Publications;
using Npgsql;

namespace Assessment.Server.Hosting;

/// <summary>
/// Issued bulletins in PostgreSQL (migration 0016): documents and receipts inserted, never updated (the tables refuse
/// UPDATE, DELETE and TRUNCATE). An insert that meets a row already kept returns that row: the first kept wins.
/// </summary>
public sealed class PostgresBulletinStore(NpgsqlDataSource dataSource) : IBulletinStore
{
    public async Task<string> KeepDocumentAsync(string round, int edition, string format, byte[] content, string sha256)
    {
        // The second SELECT sees the table as it was when this statement began: it answers when the insert found the row
        // already there; a row inserted by a writer still at work is read after it (below).
        await using var command = dataSource.CreateCommand("""
            WITH inserted AS (
                INSERT INTO bulletin_documents (round, edition, format, sha256, content) VALUES (@round, @edition, @format, @sha, @content)
                ON CONFLICT (round, edition, format) DO NOTHING
                RETURNING sha256)
            SELECT sha256 FROM inserted
            UNION ALL
            SELECT sha256 FROM bulletin_documents WHERE round = @round AND edition = @edition AND format = @format
            LIMIT 1
            """);
        command.Parameters.Add(new NpgsqlParameter<string>("round", round));
        command.Parameters.Add(new NpgsqlParameter<int>("edition", edition));
        command.Parameters.Add(new NpgsqlParameter<string>("format", format));
        command.Parameters.Add(new NpgsqlParameter<string>("sha", sha256));
        command.Parameters.Add(new NpgsqlParameter<byte[]>("content", content));
        if (await command.ExecuteScalarAsync() is string kept)
        {
            return kept;
        }

        // Another writer inserted the same document at the same moment: the insert waited for it, and this statement's
        // snapshot does not see it. It is committed now.
        await using var read = dataSource.CreateCommand("SELECT sha256 FROM bulletin_documents WHERE round = @round AND edition = @edition AND format = @format");
        read.Parameters.Add(new NpgsqlParameter<string>("round", round));
        read.Parameters.Add(new NpgsqlParameter<int>("edition", edition));
        read.Parameters.Add(new NpgsqlParameter<string>("format", format));
        return (string)(await read.ExecuteScalarAsync())!;
    }

    public async Task<IReadOnlyList<StoredDocument>> ReadDocumentsAsync(string round, int? edition = null)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT edition, format, content, sha256 FROM bulletin_documents WHERE round = @round AND (@edition = 0 OR edition = @edition) ORDER BY edition, format");
        command.Parameters.Add(new NpgsqlParameter<string>("round", round));
        command.Parameters.Add(new NpgsqlParameter<int>("edition", edition ?? 0));
        var documents = new List<StoredDocument>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            documents.Add(new StoredDocument(reader.GetInt32(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2), reader.GetString(3)));
        }

        return documents;
    }

    public async Task<StoredReceipt> KeepReceiptAsync(string round, StoredReceipt receipt)
    {
        if (receipt.Kind == StoredReceipt.Reminded)
        {
            await using var insert = Command("INSERT INTO bulletin_receipts (round, edition, recipient, kind, sha256, actor, at) VALUES (@round, @edition, @recipient, @kind, @sha, @actor, @at)", round, receipt);
            await insert.ExecuteNonQueryAsync();
            return receipt;
        }

        await using var command = Command("""
            WITH inserted AS (
                INSERT INTO bulletin_receipts (round, edition, recipient, kind, sha256, actor, at) VALUES (@round, @edition, @recipient, @kind, @sha, @actor, @at)
                ON CONFLICT (round, edition, recipient, kind) WHERE kind <> 'reminded' DO NOTHING
                RETURNING sha256, actor, at)
            SELECT sha256, actor, at FROM inserted
            UNION ALL
            SELECT sha256, actor, at FROM bulletin_receipts WHERE round = @round AND edition = @edition AND recipient = @recipient AND kind = @kind
            LIMIT 1
            """, round, receipt);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            // The same receipt recorded by another writer at the same moment (see KeepDocumentAsync): read it now.
            await reader.DisposeAsync();
            await using var again = Command("SELECT sha256, actor, at FROM bulletin_receipts WHERE round = @round AND edition = @edition AND recipient = @recipient AND kind = @kind", round, receipt);
            await using var kept = await again.ExecuteReaderAsync();
            await kept.ReadAsync();
            return receipt with
            {
                Sha256 = kept.IsDBNull(0) ? null : kept.GetString(0),
                Actor = kept.IsDBNull(1) ? null : kept.GetString(1),
                At = kept.GetFieldValue<DateTimeOffset>(2),
            };
        }

        return receipt with
        {
            Sha256 = reader.IsDBNull(0) ? null : reader.GetString(0),
            Actor = reader.IsDBNull(1) ? null : reader.GetString(1),
            At = reader.GetFieldValue<DateTimeOffset>(2),
        };
    }

    public async Task<IReadOnlyList<StoredReceipt>> ReadReceiptsAsync(string round)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT edition, recipient, kind, sha256, actor, at FROM bulletin_receipts WHERE round = @round ORDER BY id");
        command.Parameters.Add(new NpgsqlParameter<string>("round", round));
        var receipts = new List<StoredReceipt>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            receipts.Add(new StoredReceipt(reader.GetInt32(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return receipts;
    }

    private NpgsqlCommand Command(string sql, string round, StoredReceipt receipt)
    {
        var command = dataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string>("round", round));
        command.Parameters.Add(new NpgsqlParameter<int>("edition", receipt.Edition));
        command.Parameters.Add(new NpgsqlParameter<string>("recipient", receipt.Recipient));
        command.Parameters.Add(new NpgsqlParameter<string>("kind", receipt.Kind));
        command.Parameters.Add(new NpgsqlParameter("sha", (object?)receipt.Sha256 ?? DBNull.Value) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter("actor", (object?)receipt.Actor ?? DBNull.Value) { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter<DateTimeOffset>("at", receipt.At));
        return command;
    }
}
