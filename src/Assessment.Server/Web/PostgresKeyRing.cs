using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Assessment.Server.Web;

/// <summary>
/// Data Protection's key ring in PostgreSQL (table <c>web_keys</c>, migration 0014), shared by every replica: a session
/// or antiforgery token issued by one server is honoured by the others and after a roll-out. Keys are only added
/// (every key has a name of its own; the first is created under a lock, see <see cref="WebKeyRingBootstrap"/>), and
/// the newest thousand are read.
/// </summary>
public sealed class PostgresKeyRing(NpgsqlDataSource dataSource) : IXmlRepository
{
    private const int MaxKeys = 1000;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var command = dataSource.CreateCommand($"SELECT xml FROM web_keys ORDER BY created_at DESC, name LIMIT {MaxKeys}");
        using var reader = command.ExecuteReader();
        var elements = new List<XElement>();
        while (reader.Read())
        {
            elements.Add(XElement.Parse(reader.GetString(0)));
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var command = dataSource.CreateCommand("INSERT INTO web_keys (name, xml) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING");
        command.Parameters.Add(new NpgsqlParameter { Value = friendlyName });
        command.Parameters.Add(new NpgsqlParameter { Value = element.ToString(SaveOptions.DisableFormatting) });
        command.ExecuteNonQuery();
    }
}
