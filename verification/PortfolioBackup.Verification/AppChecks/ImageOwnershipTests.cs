using Npgsql;
using PortfolioBackup.VerificationSuite.Fixtures;

namespace PortfolioBackup.VerificationSuite.AppChecks;

/// <summary>
/// An app-specific check written as an ordinary test: the fixture hands it an open connection to each dump's restored
/// database. Copy this class to add your own.
/// </summary>
[Collection(RestoredDumpsCollection.Name)]
public sealed class ImageOwnershipTests(RestoredDatabases databases)
{
    [Theory]
    [MemberData(nameof(DumpCase.All), MemberType = typeof(DumpCase))]
    public async Task Every_image_row_points_at_an_existing_user(DumpCase dump)
    {
        // Arrange
        databases.ShouldHaveSomethingToVerify();
        await using var connection = await databases.OpenAsync(dump);

        // Act
        var orphans = new List<string>();
        await using (var command = new NpgsqlCommand(
            "SELECT i.id, i.user_id FROM public.images i LEFT JOIN public.users u ON u.id = i.user_id WHERE u.id IS NULL ORDER BY i.id LIMIT 20",
            connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                orphans.Add($"image {reader.GetInt64(0)} → user {reader.GetInt64(1)}");
            }
        }

        // Assert
        orphans.Should().BeEmpty($"{dump}: every image must belong to an existing user (first 20 orphans listed)");
    }
}
