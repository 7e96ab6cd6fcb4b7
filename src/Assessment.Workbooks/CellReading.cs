using Assessment.Domain.Catalog;
using Assessment.Domain.Forms;

namespace Assessment.Workbooks;

/// <summary>
/// What a workbook cell says about an indicator. Formulas are never evaluated: a cached result is taken as typed, a
/// formula without one or reaching into another workbook is refused. Dates are not figures; a percentage-formatted
/// 0.85 on a rate is 85.
/// </summary>
public static class CellReading
{
    public static FilledValue Interpret(SheetCell? cell, Indicator indicator)
    {
        if (cell is null)
        {
            return FilledValue.Blank;
        }

        if (cell.ExternalFormula)
        {
            return FilledValue.Refuse("公式引用了其他工作簿（外部链接），不予读取：请复制后“选择性粘贴为数值”再提交");
        }

        if (cell.Formula is not null && cell.Kind == CellKind.Empty)
        {
            return FilledValue.Refuse("公式没有计算结果：请在 Excel 中打开、重新计算并保存，或直接填写数值");
        }

        switch (cell.Kind)
        {
            case CellKind.Empty:
                return FilledValue.Blank;
            case CellKind.Error:
                return FilledValue.Refuse($"单元格显示错误值 {cell.Text}，请改为数值");
            case CellKind.Boolean:
                return indicator.Kind == IndicatorKind.Flag
                    ? FilledValue.Of(cell.Number)
                    : FilledValue.Refuse("单元格是逻辑值（TRUE/FALSE），不是数字");
            case CellKind.Text:
                return FilledValue.Parse(cell.Text, indicator);
        }

        if (cell.IsDate)
        {
            return FilledValue.Refuse("单元格是日期/时间格式，不是数值：请将单元格格式改为“常规”或“数值”后重填");
        }

        var value = cell.Number;
        if (cell.IsPercent && indicator.Kind is IndicatorKind.Rate or IndicatorKind.Score)
        {
            value = Math.Round(value * 100, 10);
        }

        return FilledValue.Of(value == 0 ? 0 : value);
    }
}
