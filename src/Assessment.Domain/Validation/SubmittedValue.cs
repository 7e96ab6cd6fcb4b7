namespace Assessment.Domain.Validation;

/// <summary>One value as a client sent it. A null value means "explicitly not reported" (未填报), never zero.</summary>
public sealed record SubmittedValue(string Code, double? Value, string? Note = null);

/// <summary>A problem with one field of a request, addressed by its path (e.g. <c>values[3].value</c>).</summary>
public sealed record FieldViolation(string Field, string Description);
