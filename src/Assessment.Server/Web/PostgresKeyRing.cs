using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace Assessment.Server.Web;

/// <summary>
/// Data Protection's key ring in PostgreSQL (table <c>web_keys</c>, migration 0014), shared by every replica: a session
/// or antiforgery token issued by one server is honoured by the others and after a roll-out. Keys are only added; a
/// key written twice under one name (two replicas creating the first key at once) keeps the first.
/// </summary>
public sealed class PostgresKeyRing(NpgsqlDataSource dataSource) : IXmlRepository
{
    private const int MaxKeys = 1000;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var command = dataSource.CreateCommand($"SELECT xml FROM web_keys ORDER BY created_at, name LIMIT {MaxKeys}");
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
