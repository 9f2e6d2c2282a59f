using System.Xml.Linq;
using Dapper;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Npgsql;

namespace OpsBoard.Web.Accounts;

/// <summary>The data protection key ring in PostgreSQL: shared by all nodes, surviving restarts.</summary>
public sealed class DatabaseKeyRepository(NpgsqlDataSource dataSource) : IXmlRepository
{
    // IXmlRepository is synchronous by contract; key reads happen rarely (the key ring is cached and refreshed daily).
    public IReadOnlyCollection<XElement> GetAllElements()
    {
        using var connection = dataSource.OpenConnection();
        return [.. connection.Query<string>("SELECT xml FROM data_protection_key ORDER BY id").Select(XElement.Parse)];
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        using var connection = dataSource.OpenConnection();
        connection.Execute("""
            INSERT INTO data_protection_key (name, xml)
            VALUES (@friendlyName, @xml)
            ON CONFLICT (name) DO NOTHING
            """, new { friendlyName, xml = element.ToString(SaveOptions.DisableFormatting) });
    }
}
