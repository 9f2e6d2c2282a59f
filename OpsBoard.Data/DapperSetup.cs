using System.Data;
using System.Net;
using Dapper;

namespace OpsBoard.Data;

/// <summary>Teaches Dapper the types Npgsql already speaks: DateOnly for <c>date</c>, IPAddress for <c>inet</c>.</summary>
public static class DapperSetup
{
    static int configured;

    public static void Configure()
    {
        if (Interlocked.Exchange(ref configured, 1) == 1)
        {
            return;
        }

        SqlMapper.AddTypeHandler(new DateOnlyHandler());
        SqlMapper.AddTypeHandler(new IpAddressHandler());
    }

    sealed class DateOnlyHandler : SqlMapper.TypeHandler<DateOnly>
    {
        public override void SetValue(IDbDataParameter parameter, DateOnly value)
        {
            parameter.DbType = DbType.Date;
            parameter.Value = value;
        }

        public override DateOnly Parse(object value) => value switch
        {
            DateOnly d => d,
            DateTime dt => DateOnly.FromDateTime(dt),
            _ => throw new DataException($"Cannot read {value.GetType().Name} as DateOnly"),
        };
    }

    sealed class IpAddressHandler : SqlMapper.TypeHandler<IPAddress>
    {
        public override void SetValue(IDbDataParameter parameter, IPAddress? value) => parameter.Value = (object?)value ?? DBNull.Value;

        public override IPAddress? Parse(object value) => value as IPAddress;
    }
}
