using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace TaskFlow.Web.Data;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a running service or database.</summary>
internal sealed class IdentityDbFactory : IDesignTimeDbContextFactory<IdentityDb>
{
    public IdentityDb CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<IdentityDb>()
            .UseNpgsql("Host=localhost;Database=taskflowdb", npgsql => npgsql.MigrationsHistoryTable("__EFMigrationsHistory", IdentityDb.Schema))
            .UseSnakeCaseNamingConvention()
            .Options);
}
